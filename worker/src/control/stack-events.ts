// The stack events that explain a failed deploy: every *_FAILED event since it began, with its reason.
import {
  type CloudFormationClient,
  DescribeStackEventsCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { awsCall } from './aws-error.ts';

export interface FailedStackEvent {
  readonly logicalResourceId: string;
  readonly resourceType: string;
  readonly status: string;
  readonly reason: string;
  readonly at: Date;
}

/** Pages of events read at most, newest first: enough for any one deploy of a fleet stack. */
const maxEventPages = 20;

/** The failures among events at or after `since`, oldest first (the first is usually the cause). */
export function failedEventsSince(events: readonly StackEvent[], since: Date): FailedStackEvent[] {
  return events
    .filter(
      (event) =>
        event.ResourceStatus?.endsWith('_FAILED') === true &&
        event.Timestamp !== undefined &&
        event.Timestamp.getTime() >= since.getTime(),
    )
    .map((event) => ({
      logicalResourceId: event.LogicalResourceId ?? '?',
      resourceType: event.ResourceType ?? '?',
      status: event.ResourceStatus ?? '?',
      reason: event.ResourceStatusReason ?? '(no reason given)',
      at: event.Timestamp ?? since,
    }))
    .sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** One line per failure, for an error message. */
export function describeFailedEvents(events: readonly FailedStackEvent[]): string {
  return events
    .map((event) => `  ${event.logicalResourceId} (${event.resourceType}) ${event.status}: ${event.reason}`)
    .join('\n');
}

/** Reads the stack's events back to `since` (they come newest first) and returns the failures among them. */
export async function readFailedEvents(options: {
  readonly client: CloudFormationClient;
  readonly stackName: string;
  readonly since: Date;
}): Promise<FailedStackEvent[]> {
  const { client, stackName, since } = options;
  const events: StackEvent[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < maxEventPages; page += 1) {
    const output = await awsCall(`CloudFormation DescribeStackEvents ${stackName}`, () =>
      client.send(
        new DescribeStackEventsCommand({
          StackName: stackName,
          ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
        }),
      ),
    );
    const pageEvents = output.StackEvents ?? [];
    events.push(...pageEvents);
    nextToken = output.NextToken;
    const oldest = pageEvents.at(-1)?.Timestamp;
    if (nextToken === undefined || (oldest !== undefined && oldest.getTime() < since.getTime())) break;
  }
  return failedEventsSince(events, since);
}
