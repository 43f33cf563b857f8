// Masks secrets in the job log before anything else is printed: AWS credentials from the environment and any
// credential-looking input.
import * as core from '@actions/core';

/** Where AWS credentials sit in the environment (configure-aws-credentials sets these). */
const awsCredentialVariables = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
] as const;

/** Names that say a value is a secret: an input named so, or a `Key=Value` line whose key is. */
const credentialName =
  /secret|password|passwd|passphrase|token|credential|private[-_]?key|access[-_]?key|api[-_]?key/i;

/** A name that only points at a secret (a Secrets Manager ARN, a parameter name) is not one itself. */
const referenceName = /(?:arn|name)$/i;

function looksLikeCredentialName(name: string): boolean {
  return credentialName.test(name) && !referenceName.test(name);
}

/** AWS access key ids (long-term AKIA…, temporary ASIA…) wherever they appear in an input. */
const accessKeyId = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g;

function keyValueSecrets(text: string): string[] {
  const secrets: string[] = [];
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0 && looksLikeCredentialName(line.slice(0, at).trim())) secrets.push(line.slice(at + 1).trim());
  }
  return secrets;
}

/**
 * The values to mask (pure): AWS credential variables; every input whose name looks like a credential; AWS access key
 * ids inside any input; and the values of `Key=Value` lines whose key looks like a credential. A multi-line value is
 * masked as a whole and line by line, so no line of it shows either.
 */
export function secretsToMask(env: Readonly<Record<string, string | undefined>>): string[] {
  const secrets = new Set<string>();
  const add = (value: string | undefined): void => {
    const trimmed = value?.trim() ?? '';
    if (trimmed === '') return;
    secrets.add(trimmed);
    if (!trimmed.includes('\n')) return;
    for (const line of trimmed.split('\n')) if (line.trim() !== '') secrets.add(line.trim());
  };
  for (const name of awsCredentialVariables) add(env[name]);
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('INPUT_') || value === undefined) continue;
    if (looksLikeCredentialName(name.slice('INPUT_'.length))) add(value);
    for (const match of value.matchAll(accessKeyId)) add(match[0]);
    for (const secret of keyValueSecrets(value)) add(secret);
  }
  return [...secrets];
}

/** Tells the runner to mask each secret (`::add-mask::`) in everything the job prints from now on. */
export function maskSecrets(env: Readonly<Record<string, string | undefined>> = process.env): void {
  for (const secret of secretsToMask(env)) core.setSecret(secret);
}
