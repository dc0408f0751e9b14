import { z } from 'zod';

/**
 * The catalog (the Glue Data Catalog's role): `{type: sqlite}` keeps it in
 * `$CORRIENTE_HOME/catalog.db`; `{type: glue}` writes databases, tables and partitions to the
 * AWS Glue Data Catalog, where Athena reads them. @default { type: 'sqlite' }
 */
export const catalogConfigSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('sqlite') }),
    z.strictObject({
      type: z.literal('glue'),
      region: z.string().default('us-east-1'),
      /** AWS account id of the Data Catalog. @default the caller's account */
      catalogId: z
        .string()
        .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
        .optional(),
      /** Custom endpoint (a VPC endpoint). */
      endpoint: z.url().optional(),
      /** Crawl reports (Glue has no place for them) go under this datalake prefix. @default 'catalog/_reports/' */
      reportsPrefix: z.string().default('catalog/_reports/'),
    }),
  ])
  .default({ type: 'sqlite' });

export type CatalogConfig = z.infer<typeof catalogConfigSchema>;
