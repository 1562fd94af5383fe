package dev.nixpool.validation;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.nixpool.api.v1alpha1.ApiPatterns;
import dev.nixpool.api.v1alpha1.BuildMachineSpec;
import dev.nixpool.api.v1alpha1.CopyTo;
import dev.nixpool.api.v1alpha1.NixBuildSpec;
import dev.nixpool.api.v1alpha1.SecretKeyRef;
import dev.nixpool.cache.CacheUri;
import dev.nixpool.remote.NixSettings;

/**
 * The checks the CRD schema also makes, repeated in the operator: API servers without CEL (and the test mock server,
 * which validates nothing) would otherwise let bad specs reach the scheduler. Each problem names the field, what was
 * expected and what came.
 */
public final class SpecValidation {

    private static final Pattern SYSTEM = Pattern.compile(ApiPatterns.SYSTEM);
    private static final Pattern FEATURE = Pattern.compile(ApiPatterns.FEATURE);
    private static final Pattern OBJECT_NAME = Pattern.compile(ApiPatterns.OBJECT_NAME);
    private static final Pattern DRV_PATH = Pattern.compile(ApiPatterns.DRV_PATH);
    private static final Pattern FLAKE = Pattern.compile(ApiPatterns.FLAKE);
    private static final List<String> PULL_POLICIES = List.of("Always", "IfNotPresent", "Never");

    private SpecValidation() {
    }

    public static List<String> problems(NixBuildSpec spec) {
        List<String> problems = new ArrayList<>();
        if (spec == null) {
            problems.add("spec is missing");
            return problems;
        }
        long sources = Stream.of(spec.getDerivation(), spec.getExpression(), spec.getFlake())
                .filter(s -> s != null && !s.isEmpty())
                .count();
        if (sources != 1) {
            problems.add("exactly one of spec.derivation, spec.expression or spec.flake must be set, found " + sources);
        }
        if (spec.getDerivation() != null && !DRV_PATH.matcher(spec.getDerivation()).matches()) {
            problems.add("spec.derivation must be a /nix/store/<hash>-<name>.drv path, got '" + spec.getDerivation()
                    + "'");
        }
        if (spec.getFlake() != null && !FLAKE.matcher(spec.getFlake()).matches()) {
            problems.add("spec.flake must be a flake installable such as github:owner/repo#attr (no whitespace, not "
                    + "starting with '-' or '#'), got '" + spec.getFlake() + "'");
        }
        checkSystem(problems, "spec.system", spec.getSystem());
        checkFeatures(problems, "spec.requiredSystemFeatures", spec.getRequiredSystemFeatures());
        // the session puts these on the builder's command line: refuse here what NixSettings would refuse at dispatch
        NixSettings.problems(spec.getSubstituters(), spec.getTrustedPublicKeys())
                .forEach(problem -> problems.add("spec." + problem));
        if (spec.getMachine() != null && !OBJECT_NAME.matcher(spec.getMachine()).matches()) {
            problems.add("spec.machine must be a BuildMachine name (DNS-1123 subdomain), got '" + spec.getMachine()
                    + "'");
        }
        checkCopyTo(problems, "spec.copyTo", spec.getCopyTo());
        return problems;
    }

    public static List<String> problems(BuildMachineSpec spec) {
        List<String> problems = new ArrayList<>();
        if (spec == null) {
            problems.add("spec is missing");
            return problems;
        }
        if (spec.getSystems() == null || spec.getSystems().isEmpty()) {
            problems.add("spec.systems must list at least one system, e.g. x86_64-linux");
        } else {
            spec.getSystems().forEach(system -> checkSystem(problems, "spec.systems", system));
        }
        checkAtLeast(problems, "spec.maxJobs", spec.getMaxJobs(), 1);
        checkAtLeast(problems, "spec.maxBuilders", spec.getMaxBuilders(), 1);
        if (spec.getSpeedFactor() == null || !(spec.getSpeedFactor() > 0)) {
            problems.add("spec.speedFactor must be greater than 0, got " + spec.getSpeedFactor());
        }
        checkFeatures(problems, "spec.supportedFeatures", spec.getSupportedFeatures());
        checkFeatures(problems, "spec.mandatoryFeatures", spec.getMandatoryFeatures());
        if (spec.getFeaturePlacement() != null) {
            checkFeatures(problems, "spec.featurePlacement", List.copyOf(spec.getFeaturePlacement().keySet()));
        }
        if (spec.getTemplate() != null && spec.getTemplate().getImagePullPolicy() != null
                && !PULL_POLICIES.contains(spec.getTemplate().getImagePullPolicy())) {
            problems.add("spec.template.imagePullPolicy must be one of " + PULL_POLICIES + ", got '"
                    + spec.getTemplate().getImagePullPolicy() + "'");
        }
        checkCopyTo(problems, "spec.copyTo", spec.getCopyTo());
        return problems;
    }

    private static void checkSystem(List<String> problems, String field, String system) {
        if (system == null || !SYSTEM.matcher(system).matches()) {
            problems.add(field + " must be a Nix system such as x86_64-linux, got '" + system + "'");
        }
    }

    private static void checkFeatures(List<String> problems, String field, List<String> features) {
        if (features == null) {
            return;
        }
        for (String feature : features) {
            if (feature == null || !FEATURE.matcher(feature).matches()) {
                problems.add(field + " must hold system features such as kvm or big-parallel, got '" + feature + "'");
            }
        }
    }

    /** The schema's copyTo rules, and a URI the uploader can parse (its message says what is wrong). */
    private static void checkCopyTo(List<String> problems, String field, CopyTo copyTo) {
        if (copyTo == null) {
            return;
        }
        String uri = copyTo.getUri();
        if (uri == null || uri.isEmpty()) {
            problems.add(field + ".uri is required, e.g. file:///var/cache/nix or s3://bucket?region=eu-west-1");
        } else {
            try {
                CacheUri parsed = CacheUri.parse(uri);
                if (copyTo.getCompression() != null && parsed.params().containsKey("compression")) {
                    problems.add(field + ": set compression either in the uri or in the compression field, not both");
                }
                if (parsed.scheme().equals("s3") && copyTo.getCredentialsSecretRef() == null) {
                    problems.add(field + ": an s3:// destination needs credentialsSecretRef (accessKeyId, "
                            + "secretAccessKey)");
                }
                if (parsed.isNixStore() && copyTo.getCredentialsSecretRef() == null) {
                    problems.add(field + ": an " + parsed.scheme()
                            + ":// destination needs credentialsSecretRef (sshPrivateKey, "
                            + "sshHostKey)");
                }
            } catch (IllegalArgumentException e) {
                problems.add(field + ".uri '" + uri + "': " + e.getMessage());
            }
        }
        SecretKeyRef key = copyTo.getSigningKeySecretRef();
        if (key == null || key.getName() == null || key.getKey() == null) {
            problems.add(field + ".signingKeySecretRef (name and key of the Secret entry with the Nix signing key) is"
                    + " required");
        } else {
            checkSecretName(problems, field + ".signingKeySecretRef.name", key.getName());
        }
        if (copyTo.getCredentialsSecretRef() != null) {
            checkSecretName(problems, field + ".credentialsSecretRef.name", copyTo.getCredentialsSecretRef().getName());
        }
    }

    private static void checkSecretName(List<String> problems, String field, String name) {
        if (name == null || !OBJECT_NAME.matcher(name).matches()) {
            problems.add(field + " must be a Secret name (DNS-1123 subdomain), got '" + name + "'");
        }
    }

    private static void checkAtLeast(List<String> problems, String field, Integer value, int min) {
        if (value == null || value < min) {
            problems.add(field + " must be at least " + min + ", got " + value);
        }
    }

}
