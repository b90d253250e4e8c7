/** One checked step of the in-page scenario. */
export interface StepResult {
  name: string;
  passed: boolean;
  detail: string;
}

/** What the page hands back to the test (as `window.__breakerbox`) and shows a person. */
export interface ScenarioReport {
  done: boolean;
  steps: StepResult[];
  /** The breaker's state changes for the failing origin, in order. */
  transitions: Array<{ from: string; to: string }>;
  userAgent: string;
}

declare global {
  interface Window {
    __breakerbox?: ScenarioReport;
  }
}

/** Renders the report as a table, so the screenshot reads on its own. */
export function render(report: ScenarioReport): void {
  const passed = report.steps.filter((step) => step.passed).length;
  const root = document.getElementById('report')!;
  root.replaceChildren();
  const heading = document.createElement('h1');
  heading.textContent = `breakerbox in a real browser: ${passed}/${report.steps.length} checks passed${report.done ? '' : ' (running…)'}`;
  heading.className = passed === report.steps.length && report.done ? 'pass' : 'fail';
  const agent = document.createElement('p');
  agent.textContent = report.userAgent;
  const table = document.createElement('table');
  for (const step of report.steps) {
    const row = table.insertRow();
    row.className = step.passed ? 'pass' : 'fail';
    row.insertCell().textContent = step.passed ? '✔' : '✘';
    row.insertCell().textContent = step.name;
    row.insertCell().textContent = step.detail;
  }
  const log = document.createElement('p');
  const chain = report.transitions.length === 0 ? [] : [report.transitions[0]!.from, ...report.transitions.map((t) => t.to)];
  log.textContent = `Breaker states: ${chain.join(' → ') || 'closed throughout'}`;
  root.append(heading, agent, table, log);
}
