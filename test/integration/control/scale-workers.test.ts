// scaleWorkers against moto's Auto Scaling: desired capacity set at once, the maximum raised or lowered with it.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { destroyControlPlaneClients } from '../../../worker/src/control/control-clients.ts';
import type { FleetDescription } from '../../../worker/src/control/fleet-outputs.ts';
import { describeWorkerGroup, scaleWorkers } from '../../../worker/src/control/worker-group.ts';
import { createFleetStandIn, motoControlPlane } from './control-fixture.ts';

const clients = motoControlPlane();
let fleet: FleetDescription;
beforeAll(async () => {
  fleet = await createFleetStandIn(clients, 'scale');
});
afterAll(() => destroyControlPlaneClients(clients));

describe('scaleWorkers on moto', () => {
  const group = () =>
    describeWorkerGroup({ autoScaling: clients.autoScaling, groupName: fleet.outputs.WorkerGroupName });
  const scale = (desiredCapacity: number, maxSize?: number) =>
    scaleWorkers({
      autoScaling: clients.autoScaling,
      groupName: fleet.outputs.WorkerGroupName,
      desiredCapacity,
      ...(maxSize !== undefined ? { maxSize } : {}),
    });

  test('sets the desired capacity, and the group starts that many workers', async () => {
    const result = await scale(2);
    expect(result).toEqual({
      groupName: fleet.outputs.WorkerGroupName,
      previous: { desiredCapacity: 0, maxSize: 4 },
      desiredCapacity: 2,
      maxSize: 4,
    });
    expect(await group()).toMatchObject({ desiredCapacity: 2, maxSize: 4, inService: 2 });
  });

  test('more than the maximum is refused, naming it, and nothing changes', async () => {
    await expect(scale(6)).rejects.toThrow(
      `6 workers is more than group ${fleet.outputs.WorkerGroupName}'s maximum of 4`,
    );
    expect(await group()).toMatchObject({ desiredCapacity: 2, maxSize: 4 });
  });

  test('with a new maximum, the maximum is raised first', async () => {
    await scale(6, 8);
    expect(await group()).toMatchObject({ desiredCapacity: 6, maxSize: 8, inService: 6 });
  });

  test('0 scales in, lowering the maximum after the capacity', async () => {
    const result = await scale(0, 3);
    expect(result.previous).toEqual({ desiredCapacity: 6, maxSize: 8 });
    expect(await group()).toMatchObject({ desiredCapacity: 0, maxSize: 3 });
  });

  test('a group that does not exist is named', async () => {
    await expect(
      scaleWorkers({ autoScaling: clients.autoScaling, groupName: 'no-such-workers', desiredCapacity: 1 }),
    ).rejects.toThrow('there is no Auto Scaling group no-such-workers');
  });
});
