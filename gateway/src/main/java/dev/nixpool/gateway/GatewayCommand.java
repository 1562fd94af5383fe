package dev.nixpool.gateway;

import java.util.List;

import org.apache.sshd.server.command.CommandFactory;

/**
 * What an SSH exec request asks for, as the gateway sees it: Nix's serve protocol (ssh:// stores), the worker protocol
 * (ssh-ng:// stores) or anything else, refused with a line saying what the address is for.
 */
public sealed interface GatewayCommand {

    /** {@code nix-store --serve [--write]}, under any path to nix-store (Nix's remote-program setting). */
    record Serve() implements GatewayCommand {
    }

    /**
     * {@code nix-daemon --stdio}, what an ssh-ng:// store runs (its remote-program setting may be a path to nix-daemon or
     * {@code nix daemon}).
     */
    record Daemon() implements GatewayCommand {
    }

    record Refused(String message) implements GatewayCommand {
    }

    String PURPOSE = "this is the Nixpool gateway: it serves Nix remote builds over ssh:// (nix-store --serve --write) "
            + "and ssh-ng:// (nix-daemon --stdio) and nothing else";

    static GatewayCommand parse(String command) {
        List<String> words = CommandFactory.split(command == null ? "" : command.trim());
        if (words.isEmpty()) {
            return new Refused("nixpool gateway: interactive shells are not available; " + PURPOSE);
        }
        String program = words.get(0);
        String base = program.substring(program.lastIndexOf('/') + 1);
        if (base.equals("nix-store") && words.size() >= 2 && words.get(1).equals("--serve")
                && words.subList(2, words.size()).stream().allMatch("--write"::equals) && words.size() <= 3) {
            return new Serve();
        }
        List<String> daemonArgs = base.equals("nix-daemon")
                ? words.subList(1, words.size())
                : base.equals("nix") && words.size() >= 2 && words.get(1).equals("daemon")
                        ? words.subList(2, words.size())
                        : null;
        if (daemonArgs != null) {
            return daemonArgs.equals(List.of("--stdio"))
                    ? new Daemon()
                    : new Refused("nixpool gateway: only 'nix-daemon --stdio' is served (no --store or other "
                            + "options); got '" + cut(command) + "'");
        }
        if (base.equals("nix-store")) {
            return new Refused("nixpool gateway: only 'nix-store --serve --write' is served (no --store or other "
                    + "options); got '" + cut(command) + "'");
        }
        return new Refused("nixpool gateway: '" + cut(base) + "' is not available; " + PURPOSE);
    }

    private static String cut(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }
}
