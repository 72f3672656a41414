"""Publication (一公开): the public record of a result, its versions, numbered documents."""
