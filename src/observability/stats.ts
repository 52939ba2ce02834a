// Server-wide counters reported by INFO stats / errorstats.

export class ServerStats {
  connectionsReceived = 0;
  rejectedConnections = 0;
  commandsProcessed = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  unknownCommands = 0;
  protocolErrors = 0;
  totalErrorReplies = 0;
  /** Error replies by error code (the first word: ERR, WRONGTYPE...). */
  readonly errors = new Map<string, number>();

  countError(message: string): void {
    this.totalErrorReplies++;
    const sp = message.indexOf(" ");
    const code = sp < 0 ? message : message.slice(0, sp);
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  reset(): void {
    this.connectionsReceived = 0;
    this.rejectedConnections = 0;
    this.commandsProcessed = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.unknownCommands = 0;
    this.protocolErrors = 0;
    this.totalErrorReplies = 0;
    this.errors.clear();
  }
}
