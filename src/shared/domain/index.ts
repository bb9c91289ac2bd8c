export * from './ids';
export * from './datasets';
export * from './blobs';
export * from './images';
export * from './jobs';
export * from './runs';
export * from './models';
export * from './palette';
