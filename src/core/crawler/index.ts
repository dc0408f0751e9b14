export { crawl, type CrawlDeps, type CrawlOptions } from './crawler.js';
export { formatCrawlReport } from './report-text.js';
export { classifyKey, databaseFor, PARTITION_KEYS, type LakeZone } from './layout.js';
export { locationOf } from './locations.js';
