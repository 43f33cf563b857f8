// Entry of the engine bundle (ferry.cjs, built by scripts/build-actions.ts): the ferry executable itself. It sits here
// only so that ncc, walking up from its entry, compiles the engine with actions/tsconfig.json.
import '../../../worker/bin/ferry.js';
