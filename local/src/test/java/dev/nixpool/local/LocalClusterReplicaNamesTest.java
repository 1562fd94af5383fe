package dev.nixpool.local;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Operator replicas of a local cluster keep their files apart, as the pods of a Deployment keep their volumes. */
class LocalClusterReplicaNamesTest {

    @Test
    void replicasAfterTheFirstGetTheirNumberBeforeTheExtension() {
        assertThat(LocalCluster.perReplica("operator.log", 0)).isEqualTo("operator.log");
        assertThat(LocalCluster.perReplica("operator.log", 1)).isEqualTo("operator-1.log");
        assertThat(LocalCluster.perReplica("failover-operator.log", 2)).isEqualTo("failover-operator-2.log");
        assertThat(LocalCluster.perReplica("build-logs", 2)).isEqualTo("build-logs-2");
    }
}
