export {
  reconcile,
  type FieldDifference,
  type ReconcileDeps,
  type ReconcileReport,
  type UserDifference,
} from './reconcile.js';
export { formatReconcileReport } from './report-text.js';
