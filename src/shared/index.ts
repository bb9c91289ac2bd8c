export * from './api/errors';
export * from './api/contract';
export * from './api/client';
export * from './api/inProcess';
export * from './domain';
export * from './api/methods/tags';
export { RunProfile } from './api/methods/runs';
export * from './api/methods/prompts';
export * from './api/methods/filters';
