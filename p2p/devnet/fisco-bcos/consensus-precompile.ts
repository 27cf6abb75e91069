/**
 * FISCO BCOS 2.x's consensus precompile at 0x1003: `addSealer(string)`, `addObserver(string)`,
 * `remove(string)` with a node ID, callable by the chain's committee (governance) account only.
 * As ConsensusPrecompiled does, it answers with an int256 in the output (rows changed, or a
 * negative code) and the transaction itself succeeds; a change shows in the next block's header.
 */
import { AbiCoder, Interface } from 'ethers';

export const CONSENSUS_PRECOMPILE = '0x0000000000000000000000000000000000001003' as const;

/** Return codes of FISCO BCOS 2.x (libprecompiled/Common.h, libstorage/Common.h). */
export const CODE_NO_AUTHORIZED = -50000;
export const CODE_UNKNOWN_FUNCTION_CALL = -50101;
export const CODE_INVALID_NODEID = -51100;
export const CODE_LAST_SEALER = -51101;

const consensusAbi = new Interface([
  'function addSealer(string nodeID) returns (int256)',
  'function addObserver(string nodeID) returns (int256)',
  'function remove(string nodeID) returns (int256)',
]);

export interface ConsensusNodes {
  sealers: string[];
  observers: string[];
}

export interface ConsensusCall {
  /** ABI-encoded int256 result. */
  output: string;
  code: number;
  /** The lists after the call (unchanged unless code > 0). */
  nodes: ConsensusNodes;
}

const result = (code: number, nodes: ConsensusNodes): ConsensusCall => ({
  output: AbiCoder.defaultAbiCoder().encode(['int256'], [code]),
  code,
  nodes,
});

export function callConsensusPrecompile(
  nodes: ConsensusNodes,
  caller: string,
  committee: string | null,
  data: string,
): ConsensusCall {
  let name: string;
  let nodeId: string;
  try {
    const parsed = consensusAbi.parseTransaction({ data });
    if (!parsed) return result(CODE_UNKNOWN_FUNCTION_CALL, nodes);
    name = parsed.name;
    nodeId = String(parsed.args[0]).toLowerCase();
  } catch {
    return result(CODE_UNKNOWN_FUNCTION_CALL, nodes);
  }
  if (!/^[0-9a-f]{128}$/.test(nodeId)) return result(CODE_INVALID_NODEID, nodes);
  if (committee === null || caller.toLowerCase() !== committee) return result(CODE_NO_AUTHORIZED, nodes);
  const sealers = nodes.sealers.filter((id) => id !== nodeId);
  const observers = nodes.observers.filter((id) => id !== nodeId);
  const wasSealer = sealers.length !== nodes.sealers.length;
  switch (name) {
    case 'addSealer':
      // An existing sealer keeps its place: indexes into the list are what seals refer to.
      return result(1, wasSealer ? nodes : { sealers: [...sealers, nodeId], observers });
    case 'addObserver':
      if (wasSealer && sealers.length === 0) return result(CODE_LAST_SEALER, nodes);
      if (!wasSealer && observers.length !== nodes.observers.length) return result(1, nodes);
      return result(1, { sealers, observers: [...observers, nodeId] });
    default: {
      if (wasSealer && sealers.length === 0) return result(CODE_LAST_SEALER, nodes);
      const removed = wasSealer || observers.length !== nodes.observers.length;
      return result(removed ? 1 : 0, { sealers, observers });
    }
  }
}
