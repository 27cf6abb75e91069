/**
 * What an approval says in human terms: "Send 7 WFA to Alice (0xf39F…2266)", the arguments by
 * name with amounts in the asset's unit and known addresses named, the chain and contract, the
 * dry run; beside the exact call (method and arguments as they will be signed), which the popup
 * keeps one click away. Pure: the popup computes it from the approval and the status (accounts,
 * sessions, the balance service's units and Fabric accounts); unit tests check its text.
 */
import { type AssetUnit, formatAmountOrRaw } from '../balances/amount.ts';
import type { ChainType, SwapSide, TtmStep } from '../ttm/types.ts';
import { type AddressBook, type NamedAddress, nameAddress } from './address-book.ts';
import type { Approval, TransactionApprovalDetails } from './approval-kinds.ts';

/** What the popup knows that approvals do not carry: names and units. */
export interface KnownTerms {
  book: AddressBook;
  /** Asset units by resource path. */
  units: Readonly<Record<string, AssetUnit>>;
}

/** One argument of a call: by name, as shown and exactly. */
export interface ArgumentView {
  name: string;
  type: string;
  /** `amount`: in the asset's unit; `account`: an address or account, named if known. */
  kind: 'amount' | 'account' | 'value';
  /** "7 WFA", "Alice (0xf39F…2266, your account)", "\"hello\"". */
  shown: string;
  /** The value exactly as it will be signed, as JSON. */
  exact: string;
}

export interface TransactionView {
  /** One sentence: "Send 7 WFA to Alice (0xf39F…2266)"; "Call set on payment.bcos.kv" when the method is not known. */
  headline: string;
  args: ArgumentView[];
  /** "FISCO BCOS, chain 1, group 1 · zone payment, chain bcos". */
  chain: string;
  /** "contract 0x… (payment.bcos.asset)" / "chaincode asset (trade.fab.asset)". */
  contract: string;
  /** "Alice (0xf39F…2266, your account)" or the Fabric identity "user1 (Org1MSP)". */
  signer: string;
  dryRun: { outcome: 'success' | 'revert' | 'none'; text: string };
  /** The exact call: `transfer(to: "0x…", value: "7")`. */
  call: string;
  unit?: AssetUnit;
}

/** Argument names that carry an amount of the resource's asset. */
const AMOUNT_NAMES = /^(value|amount|amounts|wad|qty|quantity)$/i;
/** Fabric has no address type: argument names that carry an account. */
const ACCOUNT_NAMES = /^(to|from|account|receiver|recipient|sender|owner|spender)$/i;

/** "FISCO BCOS, chain 1, group 1" / "Fabric, channel mychannel". */
export function chainText(chain: TransactionApprovalDetails['chain']): string {
  return chain.type === 'fisco-bcos'
    ? `FISCO BCOS, chain ${chain.chainId}, group ${chain.groupId}`
    : `Fabric, channel ${chain.channel}`;
}

/** "zone payment, chain bcos" from `payment.bcos.asset`. */
export function zoneText(path: string): string {
  const [zone, chain] = path.split('.');
  return `zone ${zone}, chain ${chain}`;
}

/** An amount of the asset at `path`: "7 WFA", or the bare number when its unit is not known. */
export function amountText(known: KnownTerms, path: string, amount: unknown): string {
  return formatAmountOrRaw(amount, known.units[path]);
}

function argumentKind(chain: ChainType, path: string, known: KnownTerms, name: string, type: string) {
  if (chain === 'fisco-bcos') {
    if (/^address(\[\d*\])?$/.test(type)) return 'account';
    if (/^uint\d*(\[\d*\])?$/.test(type) && AMOUNT_NAMES.test(name)) return 'amount';
    return 'value';
  }
  // Fabric arguments are all strings: only an asset's (its unit known) amounts are amounts.
  if (ACCOUNT_NAMES.test(name)) return 'account';
  if (AMOUNT_NAMES.test(name) && known.units[path]) return 'amount';
  return 'value';
}

function each(value: unknown, show: (one: unknown) => string): string {
  return Array.isArray(value) ? `[${value.map(show).join(', ')}]` : show(value);
}

/** The exact call, as it will be signed: `transfer(to: "0x…", value: "7")`. */
export function exactCall(d: Pick<TransactionApprovalDetails, 'method' | 'inputs' | 'args'>): string {
  const args = d.inputs.map((input, i) => `${input.name || `arg${i}`}: ${JSON.stringify(d.args[i])}`);
  return `${d.method}(${args.join(', ')})`;
}

export function transactionView(approval: Approval<'transaction'>, known: KnownTerms): TransactionView {
  const d = approval.details;
  const chain = d.chain.type;
  const named = (value: unknown): NamedAddress =>
    nameAddress(known.book, String(value), chain, approval.origin);
  const args: ArgumentView[] = d.inputs.map((input, i) => {
    const name = input.name || `arg${i}`;
    const value = d.args[i];
    const kind = argumentKind(chain, d.path, known, name, input.type);
    const shown =
      kind === 'amount'
        ? each(value, (v) => amountText(known, d.path, v))
        : kind === 'account'
          ? each(value, (v) => named(v).detail)
          : JSON.stringify(value);
    return { name, type: input.type, kind, shown, exact: JSON.stringify(value) };
  });
  const signer =
    chain === 'fisco-bcos' ? nameAddress(known.book, d.from, chain, approval.origin).detail : d.from;
  return {
    headline: headline(d, args, known, named),
    args,
    chain: `${chainText(d.chain)} · ${zoneText(d.path)}`,
    contract: `${chain === 'fabric' ? 'chaincode' : 'contract'} ${d.contract} (${d.path})`,
    signer,
    dryRun: dryRunText(d),
    call: exactCall(d),
    ...(known.units[d.path] ? { unit: known.units[d.path] } : {}),
  };
}

/** The sentence for the methods Weft's assets (and ERC-20-like contracts) have; a plain "Call" otherwise. */
function headline(
  d: TransactionApprovalDetails,
  args: ArgumentView[],
  known: KnownTerms,
  named: (value: unknown) => NamedAddress,
): string {
  const value = (name: string) => {
    const i = args.findIndex((a) => a.name.toLowerCase() === name);
    return i < 0 ? undefined : d.args[i];
  };
  const amount = args.find((a) => a.kind === 'amount' && !a.shown.startsWith('['));
  const to = value('to') ?? value('recipient') ?? value('receiver');
  const from = value('from');
  const account = value('account');
  const spender = value('spender');
  const method = d.method.toLowerCase();
  if (method === 'transfer' && amount && to !== undefined) {
    return from === undefined
      ? `Send ${amount.shown} to ${named(to).label}`
      : `Send ${amount.shown} from ${named(from).label} to ${named(to).label}`;
  }
  if (method === 'mint' && amount && (account ?? to) !== undefined) {
    return `Mint ${amount.shown} into ${named(account ?? to).label}`;
  }
  if (method === 'approve' && amount && spender !== undefined) {
    return `Allow ${named(spender).label} to spend ${amount.shown} of your ${known.units[d.path]?.symbol || d.path}`;
  }
  if (method === 'openaccount' && account !== undefined) return `Open the account ${String(account)}`;
  return `Call ${d.method} on ${d.path}`;
}

function dryRunText(d: TransactionApprovalDetails): TransactionView['dryRun'] {
  if (d.simulation?.outcome === 'success') {
    const values = d.simulation.values;
    return {
      outcome: 'success',
      text: `succeeds${values.length > 0 ? `, returns ${JSON.stringify(values)}` : ''}`,
    };
  }
  if (d.simulation?.outcome === 'revert')
    return { outcome: 'revert', text: `would fail: ${d.simulation.reason}` };
  return d.chain.type === 'fabric'
    ? {
        outcome: 'none',
        text: "none before you approve: the organisations' peers run it when the wallet asks for their endorsement, and nothing is sent if they refuse",
      }
    : { outcome: 'none', text: 'not run' };
}

/** One step of a cross-chain transaction: "10 WFA from Alice (0xf39F…2266) to 0x0000…00aa". */
export interface StepView {
  amount: string;
  from: NamedAddress;
  to: NamedAddress;
}

export function stepView(step: TtmStep, known: KnownTerms, origin?: string): StepView {
  return {
    amount: amountText(known, step.path, step.amount),
    from: nameAddress(known.book, step.from, step.chain, origin),
    to: nameAddress(known.book, step.to, step.chain, origin),
  };
}

/** One side of a swap in the asset's unit, its accounts named. */
export function swapSideView(side: SwapSide, known: KnownTerms, origin?: string) {
  return {
    amount: amountText(known, side.path, side.amount),
    to: nameAddress(known.book, side.to, side.chain, origin),
    ...(side.from ? { from: nameAddress(known.book, side.from, side.chain, origin) } : {}),
  };
}

/** The resource paths whose units an approval's amounts are shown in. */
export function approvalPaths(approval: Approval): string[] {
  switch (approval.kind) {
    case 'transaction':
      return [approval.details.path];
    case 'crossChain':
      return approval.details.steps.map((s) => s.path);
    case 'swap':
      return [approval.details.give.path, approval.details.get.path];
    default:
      return [];
  }
}
