/**
 * A rename or move a delivery announced, confirmed from both ends: Bitbucket answered that the old
 * name is gone, and that the new one exists. Each end is learned by its own queued update, in
 * either order; the second to arrive calls `confirmed`, once.
 */
export class MoveConfirmation {
  private oldGone = false;
  private newFound = false;
  private done = false;

  constructor(private readonly confirmed: () => Promise<void>) {}

  async oldNameGone(): Promise<void> {
    this.oldGone = true;
    await this.settle();
  }

  async newNameFound(): Promise<void> {
    this.newFound = true;
    await this.settle();
  }

  private async settle(): Promise<void> {
    if (this.oldGone && this.newFound && !this.done) {
      this.done = true;
      await this.confirmed();
    }
  }
}
