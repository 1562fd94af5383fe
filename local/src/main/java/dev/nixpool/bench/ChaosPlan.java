package dev.nixpool.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The chaos benchmark's timeline, drawn from its seed: every build is held on its builder until the plan releases
 * it, and operator kills, pod deletes and connection cuts fall between the releases at random. The last step is
 * always a release, so every chaos step finds a build still held (Building, or on its way there) to hit: none is
 * skipped because the builds happened to finish first.
 *
 * @param steps in order, each with the pause before it
 */
record ChaosPlan(List<Step> steps) {

    /** The longest pause before a step: builds finish at most this far apart while held ones wait. */
    static final Duration MAX_PAUSE = Duration.ofMillis(1500);

    enum Action {
        /** Lets one held build finish. */
        RELEASE,
        /** SIGKILL of the operator process; local mode starts it again as a Deployment would. */
        OPERATOR_KILL,
        /** Deletes the builder pod of a held, Building build. */
        POD_DELETE,
        /** Kills the sshd session behind a held, Building build's {@code nix-store --serve}. */
        CONNECTION_CUT
    }

    record Step(Action action, Duration pause) {
    }

    ChaosPlan {
        steps = List.copyOf(steps);
    }

    static ChaosPlan draw(ChaosOptions options) {
        Random random = new Random(options.seed());
        List<Action> actions = new ArrayList<>();
        add(actions, Action.RELEASE, options.builds() - 1);
        add(actions, Action.OPERATOR_KILL, options.operatorKills());
        add(actions, Action.POD_DELETE, options.podDeletes());
        add(actions, Action.CONNECTION_CUT, options.connectionCuts());
        Collections.shuffle(actions, random);
        actions.add(Action.RELEASE);
        List<Step> steps = new ArrayList<>();
        for (Action action : actions) {
            steps.add(new Step(action, Duration.ofMillis(random.nextInt((int) MAX_PAUSE.toMillis() + 1))));
        }
        return new ChaosPlan(steps);
    }

    long count(Action action) {
        return steps.stream().filter(s -> s.action() == action).count();
    }

    private static void add(List<Action> actions, Action action, int times) {
        for (int i = 0; i < times; i++) {
            actions.add(action);
        }
    }
}
