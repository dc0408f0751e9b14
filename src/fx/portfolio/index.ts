export * from './portfolio.js';
export * from './portfolio-store.js';
