package dev.nixpool.capacity;

import java.util.List;

/** A pool's builders by state, as its status and printer columns show them. */
public record BuilderCounts(int total, int starting, int idle, int busy) {

    public static BuilderCounts of(List<Builder> builders) {
        int starting = 0;
        int idle = 0;
        int busy = 0;
        for (Builder builder : builders) {
            if (builder.claims() > 0) {
                busy++;
            } else if (builder.state() == Builder.State.STARTING || builder.state() == Builder.State.WARMING) {
                starting++;
            } else if (builder.state() == Builder.State.READY) {
                idle++;
            }
        }
        return new BuilderCounts(builders.size(), starting, idle, busy);
    }
}
