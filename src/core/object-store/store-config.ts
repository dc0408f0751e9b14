import { z } from 'zod';

const localStoreSchema = z.strictObject({
  type: z.literal('local'),
  /** Folder; relative paths resolve against `home`. */
  path: z.string().min(1),
});

const s3StoreSchema = z.strictObject({
  type: z.literal('s3'),
  bucket: z.string().min(3),
  /** Key prefix inside the bucket, e.g. `landing/`. @default '' */
  prefix: z.string().default(''),
  region: z.string().default('us-east-1'),
  /** Custom endpoint (MinIO, s3rver, LocalStack). */
  endpoint: z.url().optional(),
  /** Path-style addressing; needed by most emulators. @default false */
  forcePathStyle: z.boolean().default(false),
  /** Objects above this size are uploaded in parts. @default 16 MiB */
  multipartThresholdBytes: z
    .number()
    .int()
    .min(5 * 1024 * 1024)
    .default(16 * 1024 * 1024),
});

export const storeConfigSchema = z.discriminatedUnion('type', [localStoreSchema, s3StoreSchema]);
export type StoreConfig = z.infer<typeof storeConfigSchema>;
