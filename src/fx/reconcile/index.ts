export {
  reconcile,
  type FieldDifference,
  type LedgerDifference,
  type ReconcileDeps,
  type ReconcileReport,
  type UserDifference,
} from './reconcile.js';
export { formatReconcileReport } from './report-text.js';
