package dev.nixpool.reading;

import java.util.Set;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.kubernetes.client.KubernetesClientObjectMapperCustomizer;

import dev.nixpool.api.v1alpha1.BuildMachine;
import dev.nixpool.api.v1alpha1.NixBuild;

/**
 * How the operator's Kubernetes client reads: objects written against a newer CRD than this operator's (a rollback, a
 * partial upgrade) must not blind it. Unknown fields are skipped ({@link UnknownFieldLog}); a BuildMachine or NixBuild
 * that cannot be read at all is kept by its metadata ({@link TolerantResourceDeserializer}). Fabric8's own model
 * classes already keep unknown fields in their additionalProperties.
 */
@Singleton
public class ReadingCustomizer implements KubernetesClientObjectMapperCustomizer {

    private final UnreadableObjects unreadable;

    public ReadingCustomizer(UnreadableObjects unreadable) {
        this.unreadable = unreadable;
    }

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.addHandler(new UnknownFieldLog());
        mapper.registerModule(new TolerantReadingModule(Set.of(BuildMachine.class, NixBuild.class), unreadable));
    }
}
