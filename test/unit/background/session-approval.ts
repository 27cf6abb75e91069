/** A session approval the queue tests wait on, and the check that approves it as asked. */
import type { SessionApprovalDetails } from '../../../background/approvals/approval-kinds.ts';

export const SESSION: SessionApprovalDetails = {
  resources: ['payment.bcos.asset'],
  methods: {},
  accounts: [],
  fabricIdentities: [],
  current: { account: 0 },
  descriptions: {},
};

export const asAsked = () => ({ resources: SESSION.resources, account: 0 });
