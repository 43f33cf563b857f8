// Opens what an action works on: the control-plane clients, or a deployed fleet (its stack outputs and ledger).
import {
  type ControlPlaneClients,
  controlPlaneEndpointOf,
  createControlPlaneClients,
  destroyControlPlaneClients,
  type FleetSession,
  openFleetSession,
} from '@ferry/worker';
import { type AwsSettings, awsSettingsFromInputs } from './aws-settings.ts';
import { stackName } from './input-rules.ts';
import { requiredInput } from './inputs.ts';

/** Runs work with the control-plane clients (default credential chain), closing their sockets after. */
export async function withControlPlaneClients<T>(
  aws: AwsSettings,
  work: (clients: ControlPlaneClients) => Promise<T>,
): Promise<T> {
  const clients = createControlPlaneClients(controlPlaneEndpointOf(aws));
  try {
    return await work(clients);
  } finally {
    destroyControlPlaneClients(clients);
  }
}

/** Runs work on the fleet the stack describes (a Config error names a missing stack or output), closing it after. */
export async function withFleet<T>(
  options: { readonly stackName: string; readonly aws: AwsSettings },
  work: (session: FleetSession) => Promise<T>,
): Promise<T> {
  const session = await openFleetSession({
    stackName: options.stackName,
    endpoint: controlPlaneEndpointOf(options.aws),
  });
  try {
    return await work(session);
  } finally {
    session.close();
  }
}

/** The inputs every fleet action has: `stack-name`, `aws-region`, `aws-endpoint-url`. */
export function fleetFromInputs(): { readonly stackName: string; readonly aws: AwsSettings } {
  return { stackName: requiredInput('stack-name', stackName), aws: awsSettingsFromInputs() };
}
