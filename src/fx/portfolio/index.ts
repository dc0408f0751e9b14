export * from './portfolio.js';
export * from './portfolio-store.js';
export {
  SqlitePortfolioStore,
  defaultPortfolioDbPath,
  type SqlitePortfolioStoreOptions,
} from './sqlite/sqlite-portfolio-store.js';
export {
  DynamoDbPortfolioStore,
  PortfolioWriteConflictError,
  createPortfolioTable,
  portfolioTableDefinition,
  type DynamoDbPortfolioStoreOptions,
} from './dynamodb/dynamodb-portfolio-store.js';
