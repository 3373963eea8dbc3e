/**
 * Which of this user's processes listens on a TCP port (Linux: /proc/net/tcp{,6} give the
 * socket's inode, state 0A = LISTEN; /proc/<pid>/fd links read "socket:[inode]" — proc(5),
 * https://man7.org/linux/man-pages/man5/proc.5.html). Used only to make "port in use" say who holds
 * it; elsewhere, or for another user's process, it answers undefined and the message says less.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface PortHolder {
  pid: number;
  /** The command line, arguments joined by spaces. */
  command: string;
  /** Whether it is a cleversync process. */
  isCleversync: boolean;
}

function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // fields: sl local_address rem_address st ... inode (index 9); st 0A = LISTEN
      if (fields.length > 9 && fields[1]!.endsWith(`:${hexPort}`) && fields[3] === "0A") inodes.add(fields[9]!);
    }
  }
  return inodes;
}

export function portHolder(port: number): PortHolder | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) {
        let command = "";
        try {
          command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
        } catch {
          // gone meanwhile
        }
        return { pid: Number(pid), command, isCleversync: /cleversync|lib\/cli\/main\.js/.test(command) };
      }
    }
  }
  return undefined;
}
