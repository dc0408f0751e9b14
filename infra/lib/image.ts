import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * corriente's container image, built from the repository's `Dockerfile` by `cdk deploy` (a Docker
 * image asset: `cdk synth` only records the build context and never runs Docker, so synth stays
 * offline). Each stack gets its own asset construct over the same context, hence the same hash
 * and one image in the bootstrap repository.
 */
export class CorrienteImage {
  private readonly assets = new Map<Construct, ecrAssets.DockerImageAsset>();

  /** @param directory the Docker build context (the repository root, with `Dockerfile`). */
  constructor(readonly directory: string) {}

  /** The image asset of `scope`'s stack. */
  asset(scope: Construct): ecrAssets.DockerImageAsset {
    let asset = this.assets.get(scope);
    if (!asset) {
      asset = new ecrAssets.DockerImageAsset(scope, 'CorrienteImage', {
        directory: this.directory,
        platform: ecrAssets.Platform.LINUX_AMD64,
      });
      this.assets.set(scope, asset);
    }
    return asset;
  }

  containerImage(scope: Construct): ecs.ContainerImage {
    return ecs.ContainerImage.fromDockerImageAsset(this.asset(scope));
  }

  /** The image URI (for SageMaker) and a pull grant for `grantee`. */
  uriFor(scope: Construct, grantee: iam.IGrantable): string {
    const asset = this.asset(scope);
    asset.repository.grantPull(grantee);
    return asset.imageUri;
  }
}
