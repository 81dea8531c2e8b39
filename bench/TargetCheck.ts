/** One of the targets, checked against one row. */
export interface TargetCheck {
  target: string;
  scenario: string;
  met: boolean;
  detail: string;
}
