// What moto cannot do of a deploy, done around it: the stack created as deployed, and the published engine bundle
// fetched, checked and unpacked as the Fargate init container and the EC2 user data do.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createCloudFormationClient } from '../../worker/src/aws/clients.ts';
import { motoClientOptions, motoEndpoint, testS3 } from '../support/aws.ts';

/** The SHA-256 of the engine bundle the deploy action ships, and the key deploy publishes it under. */
export function shippedBundleIdentity(actionsRoot: string): { sha256: string; key: string } {
  const bundle = join(actionsRoot, 'deploy', 'dist', 'engine', 'ferry-engine.tgz');
  const sha256 = readFileSync(`${bundle}.sha256`, 'utf8').trim().split(/\s+/)[0] ?? '';
  return { sha256, key: `engine/${sha256}/ferry-engine.tgz` };
}

/**
 * Stands in for the first create. moto cannot play the deploy's change sets on this template: a stack created from a
 * change set has no outputs, and executing an update fails (it replaces the Auto Scaling group and loses it, and crashes
 * on UsePreviousValue for CommaDelimitedList and SSM-typed parameters). So the stack is created directly, in the state
 * the deploy leaves it (bundle parameters set); the deploy action then runs its real two-phase path, finds both change
 * sets empty, uploads the bundle, publishes ferry.yaml and reports the outputs.
 */
export async function createStackAsDeployed(options: {
  controlUrl: string;
  stackName: string;
  templateBody: string;
  parameters: Readonly<Record<string, string>>;
  actionsRoot: string;
}): Promise<void> {
  const client = createCloudFormationClient(motoEndpoint(options.controlUrl), motoClientOptions);
  const bundle = shippedBundleIdentity(options.actionsRoot);
  const parameters = {
    ...options.parameters,
    EngineBundleKey: bundle.key,
    EngineBundleSha256: bundle.sha256,
  };
  await client.send(
    new CreateStackCommand({
      StackName: options.stackName,
      TemplateBody: options.templateBody,
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      Parameters: Object.entries(parameters).map(([key, value]) => ({
        ParameterKey: key,
        ParameterValue: value,
      })),
    }),
  );
  client.destroy();
}

/**
 * What the Fargate init container and the EC2 user data do: fetch the bundle deploy published, refuse it unless its
 * SHA-256 is the one deploy set, and unpack it. Returns the ferry executable in it.
 */
export async function unpackPublishedBundle(options: {
  controlUrl: string;
  bucket: string;
  key: string;
  sha256: string;
  dir: string;
}): Promise<string> {
  const s3 = testS3(options.controlUrl);
  const object = await s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: options.key }));
  const bytes = await object.Body?.transformToByteArray();
  s3.destroy();
  const actual = createHash('sha256')
    .update(bytes ?? new Uint8Array())
    .digest('hex');
  if (actual !== options.sha256) {
    throw new Error(`s3://${options.bucket}/${options.key} has SHA-256 ${actual}, not ${options.sha256}`);
  }
  mkdirSync(options.dir, { recursive: true });
  const archive = join(options.dir, 'ferry-engine.tgz');
  writeFileSync(archive, bytes ?? new Uint8Array());
  execFileSync('tar', ['-xzf', archive, '-C', options.dir]);
  return join(options.dir, 'ferry.cjs');
}
