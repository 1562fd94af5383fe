package dev.nixpool.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.nixpool.api.v1alpha1.NixBuild;
import dev.nixpool.api.v1alpha1.NixBuildPhase;

/**
 * What a chaos run saw: how each build ended, the chaos done, the pods per attempt, what was left behind, and the
 * times. {@link #failures()} is every broken promise: a build that did not succeed, a deleted builder's attempt that
 * was not followed by another, an attempt with two builder pods, a pod or Secret left, chaos that did not happen.
 */
public record ChaosReport(ChaosOptions options, List<BuildEnd> builds, int kills, int restarts, int deletes,
        int cuts, Map<String, Set<String>> doubledAttempts, int maxPodsPerAttempt, int podsSeen,
        List<String> leftoverPods, List<String> leftoverSecrets, double chaosSeconds, double buildsSeconds,
        double totalSeconds, List<String> problems) {

    /**
     * @param phase the final phase (or the last seen, for a build that never ended)
     * @param attempts status.attempts at the end
     * @param hits pod deletes and connection cuts that hit the build
     * @param deletedAttempts the attempts whose builder pod was deleted
     */
    public record BuildEnd(String name, NixBuildPhase phase, int attempts, int hits, List<Integer> deletedAttempts,
            String summary) {

        static BuildEnd of(String name, NixBuild build, int hits, List<Integer> deletedAttempts) {
            var status = build == null ? null : build.getStatus();
            NixBuildPhase phase = status == null ? null : status.getPhase();
            int attempts = status == null || status.getAttempts() == null ? 0 : status.getAttempts();
            String summary = status == null
                    ? name + ": " + (build == null ? "gone" : "no status")
                    : name + ": phase " + phase + ", attempts " + attempts + ", conditions "
                            + status.getConditions().stream().map(c -> c.getType() + "=" + c.getStatus() + "/"
                                    + c.getReason() + ": " + c.getMessage()).toList();
            return new BuildEnd(name, phase, attempts, hits, List.copyOf(deletedAttempts), summary);
        }
    }

    public ChaosReport {
        builds = List.copyOf(builds);
        doubledAttempts = Map.copyOf(doubledAttempts);
        leftoverPods = List.copyOf(leftoverPods);
        leftoverSecrets = List.copyOf(leftoverSecrets);
        problems = List.copyOf(problems);
    }

    /** Number of builds by their final status.attempts. */
    public Map<Integer, Integer> attemptsHistogram() {
        Map<Integer, Integer> histogram = new TreeMap<>();
        builds.forEach(b -> histogram.merge(b.attempts(), 1, Integer::sum));
        return histogram;
    }

    public long succeeded() {
        return builds.stream().filter(b -> b.phase() == NixBuildPhase.Succeeded).count();
    }

    /** Empty when every promise held. */
    public List<String> failures() {
        List<String> failures = new ArrayList<>(problems);
        for (BuildEnd build : builds) {
            if (build.phase() != NixBuildPhase.Succeeded) {
                failures.add("did not succeed: " + build.summary());
            }
            for (int attempt : build.deletedAttempts()) {
                if (build.attempts() <= attempt) {
                    failures.add("attempt " + attempt + " of " + build.name() + " lost its builder pod but no"
                            + " attempt followed: " + build.summary());
                }
            }
        }
        doubledAttempts.forEach((attempt, pods) -> failures.add("two builder pods for " + attempt + ": " + pods));
        if (!leftoverPods.isEmpty() || !leftoverSecrets.isEmpty()) {
            failures.add("left behind: pods " + leftoverPods + ", Secrets " + leftoverSecrets);
        }
        check(failures, "operator kills", options.operatorKills(), kills);
        check(failures, "pod deletes", options.podDeletes(), deletes);
        check(failures, "connection cuts", options.connectionCuts(), cuts);
        if (restarts < kills) {
            failures.add("the operator was restarted " + restarts + " times after " + kills + " kills");
        }
        return failures;
    }

    private static void check(List<String> failures, String what, int planned, int done) {
        if (planned != done) {
            failures.add(what + ": " + done + " done of " + planned + " planned");
        }
    }

    public void print(PrintStream out) {
        out.printf(Locale.ROOT, "chaos: %d builds (seed %d, %d at a time)%n", builds.size(), options.seed(),
                options.concurrency());
        out.printf(Locale.ROOT, "  succeeded                      %d of %d%n", succeeded(), builds.size());
        out.printf(Locale.ROOT, "  operator kills / restarts      %d / %d%n", kills, restarts);
        out.printf(Locale.ROOT, "  builder pods deleted mid-build %d%n", deletes);
        out.printf(Locale.ROOT, "  SSH connections cut mid-build  %d%n", cuts);
        out.printf(Locale.ROOT, "  attempts histogram             %s%n", histogramText());
        out.printf(Locale.ROOT, "  attempts in all                %d (builds hit: %d, hits %d)%n",
                builds.stream().mapToInt(BuildEnd::attempts).sum(), builds.stream().filter(b -> b.hits() > 0)
                        .count(),
                builds.stream().mapToInt(BuildEnd::hits).sum());
        out.printf(Locale.ROOT, "  builder pods seen              %d; most pods for one attempt %d%n", podsSeen,
                maxPodsPerAttempt);
        out.printf(Locale.ROOT, "  left after the builds          %d pods, %d Secrets%n", leftoverPods.size(),
                leftoverSecrets.size());
        out.printf(Locale.ROOT, "  time: chaos done %.1f s, every build ended %.1f s, builders collected %.1f s%n",
                chaosSeconds, buildsSeconds, totalSeconds);
        builds.stream().filter(b -> b.attempts() != 1 + b.hits())
                .forEach(b -> out.printf(Locale.ROOT, "  %s: %d attempts for %d hits%n", b.name(), b.attempts(),
                        b.hits()));
        List<String> failures = failures();
        if (failures.isEmpty()) {
            out.println("  every promise held");
        } else {
            failures.forEach(f -> out.println("  FAILED: " + f));
        }
    }

    String histogramText() {
        StringBuilder text = new StringBuilder();
        attemptsHistogram().forEach((attempts, count) -> text.append(text.isEmpty() ? "" : ", ").append(attempts)
                .append(attempts == 1 ? " attempt: " : " attempts: ").append(count));
        return text.toString();
    }
}
