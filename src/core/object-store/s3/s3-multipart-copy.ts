import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';

/** CopyObject's limit on the source size (5 GiB); larger objects need UploadPartCopy. */
export const MAX_COPY_OBJECT_BYTES = 5 * 1024 * 1024 * 1024;

/** Server-side copies move no bytes through us, so parts can be large (fewer requests). */
const COPY_PART_BYTES = 512 * 1024 * 1024;
const MAX_PARTS = 10_000;
const COPY_CONCURRENCY = 4;

/**
 * The `x-amz-copy-source` value for a key: `bucket/key`, URL-encoded per path segment.
 *
 * `=`, `:`, `@`, `,`, `;`, `$` and `&` are left as they are: RFC 3986 allows them in a path
 * segment and S3 reads them either way, while some emulators (s3rver decodes with `decodeURI`)
 * would not decode `%3D` — and `=` is in every Hive-partitioned key of the lake. `+`, `?` and `#`
 * stay encoded because S3 gives them a meaning when bare.
 */
export function copySourceOf(bucket: string, key: string): string {
  const encoded = key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(/%(24|26|2C|3A|3B|3D|40)/g, (escape) =>
        decodeURIComponent(escape),
      ),
    )
    .join('/');
  return `${bucket}/${encoded}`;
}

/**
 * Copies `source` to `target` inside `bucket` as a multipart upload of UploadPartCopy ranges.
 * The target appears only when the upload completes; on failure the upload is aborted. With
 * `ifAbsent`, the completion carries `If-None-Match: *` (S3 answers 412 if the target exists).
 */
export async function multipartCopy(
  client: S3Client,
  bucket: string,
  source: string,
  target: string,
  size: number,
  options: { ifAbsent?: boolean } = {},
): Promise<void> {
  const partBytes = Math.max(COPY_PART_BYTES, Math.ceil(size / MAX_PARTS));
  const sourceHead = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: source }));
  const created = await client.send(
    new CreateMultipartUploadCommand({
      Bucket: bucket,
      Key: target,
      ...(sourceHead.ContentType ? { ContentType: sourceHead.ContentType } : {}),
    }),
  );
  const uploadId = created.UploadId;
  if (!uploadId) throw new Error(`CreateMultipartUpload returned no UploadId for ${target}`);
  try {
    const partCount = Math.ceil(size / partBytes);
    const parts: CompletedPart[] = new Array<CompletedPart>(partCount);
    let next = 0;
    let failed = false;
    const copyPart = async (index: number): Promise<CompletedPart> => {
      const start = index * partBytes;
      const end = Math.min(size, start + partBytes) - 1;
      const out = await client.send(
        new UploadPartCopyCommand({
          Bucket: bucket,
          Key: target,
          UploadId: uploadId,
          PartNumber: index + 1,
          CopySource: copySourceOf(bucket, source),
          CopySourceRange: `bytes=${start}-${end}`,
          // Fail rather than splice parts of two versions if the source is replaced meanwhile.
          ...(sourceHead.ETag ? { CopySourceIfMatch: sourceHead.ETag } : {}),
        }),
      );
      return { PartNumber: index + 1, ETag: out.CopyPartResult?.ETag };
    };
    const worker = async (): Promise<void> => {
      while (next < partCount && !failed) {
        const index = next++;
        try {
          parts[index] = await copyPart(index);
        } catch (err) {
          failed = true; // stop the other workers from starting more parts
          throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, partCount) }, worker));
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: target,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
        // Conditional on the commit: the target appears only if no object took the key meanwhile.
        ...(options.ifAbsent ? { IfNoneMatch: '*' } : {}),
      }),
    );
  } catch (err) {
    try {
      await client.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: target, UploadId: uploadId }),
      );
    } catch {
      // The copy's own error is the one to report; S3 lifecycle rules reap abandoned uploads.
    }
    throw err;
  }
}
