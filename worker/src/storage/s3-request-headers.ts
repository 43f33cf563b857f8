// Adds headers to one SDK command's HTTP request, for values the SDK's typed input cannot carry verbatim.
import type { MiddlewareStack } from '@smithy/types';

function hasHeaderBag(request: unknown): request is { headers: Record<string, string> } {
  return (
    typeof request === 'object' &&
    request !== null &&
    'headers' in request &&
    typeof request.headers === 'object' &&
    request.headers !== null
  );
}

/**
 * Sets the headers on the command's request before it is signed. Used for the raw Expires string (the SDK only
 * takes a Date) and for asking GetObject for checksum headers without the SDK re-hashing the body in JavaScript.
 */
export function withRawHeaders<
  Input extends object,
  Output extends object,
  Command extends { middlewareStack: MiddlewareStack<Input, Output> },
>(
  command: Command & { middlewareStack: MiddlewareStack<Input, Output> },
  headers: Readonly<Record<string, string>>,
): Command {
  if (Object.keys(headers).length === 0) return command;
  command.middlewareStack.add(
    (next) => async (args) => {
      if (hasHeaderBag(args.request)) Object.assign(args.request.headers, headers);
      return await next(args);
    },
    { step: 'build', name: 'ferryRawHeaders', override: true },
  );
  return command;
}

/**
 * Signs the request without hashing its body. The body already carries a CRC checksum header that the server
 * verifies, so SigV4's SHA-256 of the payload (which the SDK computes for plain-HTTP endpoints: ~2 CPU s per GiB)
 * would check the same bytes twice.
 */
export const unsignedPayload: Readonly<Record<string, string>> = {
  'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
};
