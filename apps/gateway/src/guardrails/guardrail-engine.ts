/**
 * Everything that runs detectors, behind one module that the guardrail service imports on first need: a gateway whose
 * policy is `none` never loads the detectors, their keyword automaton, lexicons and phone metadata, nor the self-check.
 */
export { policyTemplates } from './policy-templates.js';
export { compilePolicy, runGuardrails } from './run-guardrails.js';
export {
  buildSelfCheckReport,
  runGuardrailsWithSelfCheck,
  runSelfCheckGuardrail,
  selfCheckWanted,
} from './self-check/run-guardrails-with-self-check.js';
export { createStreamGuard } from './stream-guard.js';
