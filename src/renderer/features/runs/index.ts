export { RunModelPanel } from './RunModelPanel';
