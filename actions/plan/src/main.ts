// Ferry plan action: reviews ferry.yaml (plan), checks it and a dispatch form (validate), or posts a plan (comment).
import { oneOf } from '../../lib/src/input-rules.ts';
import { requiredInput } from '../../lib/src/inputs.ts';
import { runAction } from '../../lib/src/run-action.ts';
import { commentCommand } from './comment-command.ts';
import { planCommand } from './plan-command.ts';
import { validateCommand } from './validate-command.ts';

const commands = { plan: planCommand, validate: validateCommand, comment: commentCommand } as const;

await runAction(async () => {
  const command = requiredInput('command', oneOf(['plan', 'validate', 'comment'] as const));
  await commands[command]();
});
