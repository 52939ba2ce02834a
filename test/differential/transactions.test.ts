import { diffTests } from "./harness.ts";
import { transactionsFamily } from "./gen/transactions.ts";

diffTests(transactionsFamily);
