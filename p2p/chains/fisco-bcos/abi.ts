/**
 * ABI encoding and decoding for FISCO BCOS contracts, done by ethers: calls, results,
 * revert reasons (`Error(string)`, `Panic(uint256)`) and event logs.
 */
import { AbiCoder, Interface, type InterfaceAbi, type LogDescription, type Result } from 'ethers';
import type { Hex } from '../connector.ts';

const ERROR_SELECTOR = '0x08c379a0';
const PANIC_SELECTOR = '0x4e487b71';

export function contractInterface(abi: InterfaceAbi | Interface): Interface {
  return abi instanceof Interface ? abi : new Interface(abi);
}

export function encodeCall(abi: InterfaceAbi | Interface, method: string, args: readonly unknown[]): Hex {
  return contractInterface(abi).encodeFunctionData(method, args) as Hex;
}

export function encodeDeploy(
  abi: InterfaceAbi | Interface,
  bytecode: string,
  args: readonly unknown[] = [],
): Hex {
  const encodedArgs = contractInterface(abi).encodeDeploy(args);
  return `${bytecode}${encodedArgs.slice(2)}` as Hex;
}

/** Decoded return values in output order, as plain values (bigint, string, boolean, arrays). */
export function decodeResult(abi: InterfaceAbi | Interface, method: string, output: string): unknown[] {
  return toPlain(contractInterface(abi).decodeFunctionResult(method, output)) as unknown[];
}

/** The reason carried by revert output, or undefined when there is none to decode. */
export function decodeRevertReason(output: string | undefined): string | undefined {
  if (!output || output === '0x') return undefined;
  const coder = AbiCoder.defaultAbiCoder();
  try {
    if (output.startsWith(ERROR_SELECTOR)) {
      return coder.decode(['string'], `0x${output.slice(10)}`)[0] as string;
    }
    if (output.startsWith(PANIC_SELECTOR)) {
      const code = coder.decode(['uint256'], `0x${output.slice(10)}`)[0] as bigint;
      return `Panic(0x${code.toString(16)})`;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

export interface DecodedEvent {
  name: string;
  signature: string;
  args: Record<string, unknown>;
}

/** Decodes one log with the ABI; undefined when the ABI does not know the event. */
export function decodeEvent(
  abi: InterfaceAbi | Interface,
  log: { topics: readonly string[]; data: string },
): DecodedEvent | undefined {
  let parsed: LogDescription | null;
  try {
    parsed = contractInterface(abi).parseLog({ topics: [...log.topics], data: log.data });
  } catch {
    return undefined;
  }
  if (!parsed) return undefined;
  const args: Record<string, unknown> = {};
  parsed.fragment.inputs.forEach((input, i) => {
    args[input.name || String(i)] = toPlain(parsed.args[i]);
  });
  return { name: parsed.name, signature: parsed.signature, args };
}

/**
 * ethers `Result` objects and indexed-string hashes become plain JSON-friendly values;
 * addresses are lower case, as FISCO BCOS nodes write them.
 */
function toPlain(value: unknown): unknown {
  if (typeof value === 'string' && /^0x[0-9a-fA-F]{40}$/.test(value)) return value.toLowerCase();
  if (value && typeof value === 'object' && 'toArray' in value && typeof value.toArray === 'function') {
    return (value as Result).toArray().map(toPlain);
  }
  if (Array.isArray(value)) return value.map(toPlain);
  if (value && typeof value === 'object' && 'hash' in value && '_isIndexed' in value) {
    return (value as { hash: string }).hash;
  }
  return value;
}
