export { RunModelPanel } from './RunModelPanel';
export { RunOrigin, RunsManagePanel } from './RunsManagePanel';
