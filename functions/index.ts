// The Functions entry point (package.json "main"): importing a module registers its functions.
import "./health";
import "./tokenKeeper";
import "./syncTenant";
import "./api";
import "./scheduler";
import "./dashboard";
