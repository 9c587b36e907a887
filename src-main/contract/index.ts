export * from './errors';
export * from './operations';
export * from './schemas';
export * from './taxonomy';
export * from './validation';
export * from './sync-progress';
export * from './excerpt';
