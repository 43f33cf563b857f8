// Child-process entry: runs s3rver on a free 127.0.0.1 port, prints the port, exits when its parent goes away.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { exitWithParent } from './exit-with-parent.ts';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

const { values } = parseArgs({ options: { directory: { type: 'string' } } });
if (!values.directory) throw new Error('usage: s3rver-main.ts --directory <dir>');

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
const server = new S3rver({
  directory: values.directory,
  address: '127.0.0.1',
  port: 0,
  silent: true,
  vhostBuckets: false,
});
const { port } = await server.run();
process.stdout.write(`listening ${port}\n`);
exitWithParent();
