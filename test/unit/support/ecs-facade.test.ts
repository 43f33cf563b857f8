// The ECS facade's rewrite of DescribeTasks: the runtime's lister container replaces moto's stand-in entry.
import { expect, test } from 'vitest';
import { type ContainerState, patchDescribeTasks } from '../../support/ecs-facade.ts';

const mine = 'arn:aws:ecs:us-east-1:123456789012:task/fleet/mine';
const other = 'arn:aws:ecs:us-east-1:123456789012:task/fleet/other';
const lookup = (state: ContainerState) => (taskArn: string) => (taskArn === mine ? state : undefined);

/** What moto answers: one container, from the first definition (the init container), exit code 0 regardless. */
const motoAnswer = {
  failures: [],
  tasks: [
    {
      taskArn: mine,
      lastStatus: 'STOPPED',
      containers: [{ name: 'fetch-engine', exitCode: 0, lastStatus: 'PENDING' }],
    },
    { taskArn: other, lastStatus: 'RUNNING', containers: [{ name: 'ferry-lister', exitCode: 0 }] },
  ],
};

test('a task the runtime ran gets its lister container with the real exit code; other tasks are left alone', () => {
  const patched = patchDescribeTasks(
    motoAnswer,
    lookup({ name: 'ferry-lister', lastStatus: 'STOPPED', exitCode: 2 }),
  );
  expect(patched.tasks[0]?.containers).toEqual([
    { name: 'fetch-engine', exitCode: 0, lastStatus: 'PENDING' },
    { name: 'ferry-lister', taskArn: mine, lastStatus: 'STOPPED', exitCode: 2 },
  ]);
  expect(patched.tasks[1]).toEqual(motoAnswer.tasks[1]);
  expect(patched.failures).toEqual([]);
});

test('a lister still running has no exit code; an entry of the same name is replaced, not repeated', () => {
  const answer = { tasks: [{ taskArn: mine, containers: [{ name: 'ferry-lister', exitCode: 0 }] }] };
  const patched = patchDescribeTasks(answer, lookup({ name: 'ferry-lister', lastStatus: 'RUNNING' }));
  expect(patched.tasks[0]?.containers).toEqual([
    { name: 'ferry-lister', taskArn: mine, lastStatus: 'RUNNING' },
  ]);
});
