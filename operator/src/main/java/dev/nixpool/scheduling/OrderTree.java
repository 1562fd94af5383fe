package dev.nixpool.scheduling;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Builds in queue order, as an immutable tree that also counts: adding or removing a build, and counting the builds
 * before one, cost O(log n) and share every untouched node with the tree they came from (a treap with path copying). So
 * each change of a waiting queue makes a new queue in O(log n) while readers keep the one they hold.
 * <p>
 * A node's priority comes from the build's key, not from a random source: the same builds always make the same tree,
 * and keys hashed well spread like random priorities (expected depth O(log n)).
 */
final class OrderTree implements Iterable<BuildRequest> {

    private record Node(BuildRequest value, int priority, Node left, Node right, int size) {

        static Node of(BuildRequest value, int priority, Node left, Node right) {
            return new Node(value, priority, left, right, 1 + OrderTree.size(left) + OrderTree.size(right));
        }
    }

    private final Comparator<BuildRequest> order;
    private final Node root;

    private OrderTree(Comparator<BuildRequest> order, Node root) {
        this.order = order;
        this.root = root;
    }

    static OrderTree empty(Comparator<BuildRequest> order) {
        return new OrderTree(order, null);
    }

    Comparator<BuildRequest> comparator() {
        return order;
    }

    int size() {
        return size(root);
    }

    boolean isEmpty() {
        return root == null;
    }

    /** The tree with {@code build} in its place, replacing a build equal to it in queue order. */
    OrderTree with(BuildRequest build) {
        Node[] below = split(root, build, false);
        Node[] rest = split(below[1], build, true);
        return new OrderTree(order,
                merge(merge(below[0], Node.of(build, priority(build), null, null)), rest[1]));
    }

    /** The tree without the build equal to {@code build} in queue order (this tree when there is none). */
    OrderTree without(BuildRequest build) {
        if (find(build) == null) {
            return this;
        }
        Node[] below = split(root, build, false);
        Node[] rest = split(below[1], build, true);
        return new OrderTree(order, merge(below[0], rest[1]));
    }

    /** The build equal to {@code build} in queue order, or null. */
    BuildRequest find(BuildRequest build) {
        Node node = root;
        while (node != null) {
            int compared = order.compare(build, node.value());
            if (compared == 0) {
                return node.value();
            }
            node = compared < 0 ? node.left() : node.right();
        }
        return null;
    }

    /** How many builds come before {@code build} in queue order. */
    int before(BuildRequest build) {
        int count = 0;
        Node node = root;
        while (node != null) {
            if (order.compare(node.value(), build) < 0) {
                count += size(node.left()) + 1;
                node = node.right();
            } else {
                node = node.left();
            }
        }
        return count;
    }

    /** The longest path from the root: what one change or count costs. */
    int depth() {
        return depth(root);
    }

    @Override
    public Iterator<BuildRequest> iterator() {
        Deque<Node> path = new ArrayDeque<>();
        for (Node node = root; node != null; node = node.left()) {
            path.push(node);
        }
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !path.isEmpty();
            }

            @Override
            public BuildRequest next() {
                if (path.isEmpty()) {
                    throw new NoSuchElementException();
                }
                Node node = path.pop();
                for (Node next = node.right(); next != null; next = next.left()) {
                    path.push(next);
                }
                return node.value();
            }
        };
    }

    /** {@code [before, after]}: the builds before {@code pivot} (and equal to it with {@code equalBefore}), the rest. */
    private Node[] split(Node node, BuildRequest pivot, boolean equalBefore) {
        if (node == null) {
            return new Node[]{null, null};
        }
        int compared = order.compare(node.value(), pivot);
        if (compared < 0 || (compared == 0 && equalBefore)) {
            Node[] right = split(node.right(), pivot, equalBefore);
            return new Node[]{Node.of(node.value(), node.priority(), node.left(), right[0]), right[1]};
        }
        Node[] left = split(node.left(), pivot, equalBefore);
        return new Node[]{left[0], Node.of(node.value(), node.priority(), left[1], node.right())};
    }

    /** Every build of {@code before} comes before every build of {@code after}. */
    private static Node merge(Node before, Node after) {
        if (before == null) {
            return after;
        }
        if (after == null) {
            return before;
        }
        if (before.priority() >= after.priority()) {
            return Node.of(before.value(), before.priority(), before.left(), merge(before.right(), after));
        }
        return Node.of(after.value(), after.priority(), merge(before, after.left()), after.right());
    }

    /** MurmurHash3's finalizer over the key's hash: consecutive names get unrelated priorities. */
    private static int priority(BuildRequest build) {
        int h = build.namespace().hashCode() * 31 + build.name().hashCode();
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    private static int size(Node node) {
        return node == null ? 0 : node.size();
    }

    private static int depth(Node node) {
        return node == null ? 0 : 1 + Math.max(depth(node.left()), depth(node.right()));
    }
}
