/**
 * A rule a loopback stand-in for an AWS service follows because AWS documents it: what AWS
 * refuses, and the page that says so. Each stand-in keeps a table of them (its `*_RULES`) and a
 * set `off` of rules switched off, which only the meta-test uses: it turns each rule off in turn
 * and shows the rule's own test then fails (test/node/sts-rules.test.ts, test/node/identity-center-rules.test.ts).
 */
export interface StandInRule {
  /** What AWS refuses, in a sentence. */
  refuses: string;
  /** The AWS documentation page that says so. */
  doc: string;
}

/** The switch a stand-in's rules share: every rule is on unless a test turned it off. */
export class RuleSwitch<Id extends string> {
  readonly off = new Set<Id>();
  on(rule: Id): boolean {
    return !this.off.has(rule);
  }
}
