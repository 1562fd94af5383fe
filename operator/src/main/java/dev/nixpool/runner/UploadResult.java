package dev.nixpool.runner;

import java.util.List;

/** How an upload ended. */
public sealed interface UploadResult {

    /**
     * Every output and its closure is in the destination.
     *
     * @param uploaded paths this upload wrote (references first)
     * @param alreadyPresent paths the destination had already
     * @param signedBy the name of the key the uploaded paths were signed with
     */
    record Done(List<String> uploaded, List<String> alreadyPresent, String signedBy) implements UploadResult {

        public Done {
            uploaded = List.copyOf(uploaded);
            alreadyPresent = List.copyOf(alreadyPresent);
        }
    }

    /**
     * The last attempt failed too.
     *
     * @param message the destination's (or the builder's) own error, without credentials
     * @param arrived outputs the destination has, by what it answered after the failure
     * @param missing outputs it does not have (or could not say)
     */
    record Failed(String message, int attempts, List<String> arrived, List<String> missing) implements UploadResult {

        public Failed {
            arrived = List.copyOf(arrived);
            missing = List.copyOf(missing);
        }
    }
}
