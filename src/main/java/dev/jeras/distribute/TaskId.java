package dev.jeras.distribute;

/**
 * One task of a cluster, as TensorFlow names it: a job ({@code chief} or {@code worker}) and an
 * index in that job's list of addresses.
 *
 * @param type the job name
 * @param index the position in the job's address list, from 0
 */
public record TaskId(String type, int index) {
  /** The two kinds of task that train: the chief (which also trains) and the workers. */
  public static final String CHIEF = "chief";

  /** Job name of the workers. */
  public static final String WORKER = "worker";

  /**
   * Reads {@code type:index}, as {@code --task worker:0}.
   *
   * @param text the task
   * @return the task
   * @throws IllegalArgumentException naming the expected form
   */
  public static TaskId parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException(
          "--task must be TYPE:INDEX such as worker:0 or chief:0, got \"" + text + "\"");
    }
    int index;
    try {
      index = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--task must be TYPE:INDEX such as worker:0, got \""
              + text
              + "\": the index is not a"
              + " number");
    }
    if (index < 0) {
      throw new IllegalArgumentException("--task index must be >= 0, got \"" + text + "\"");
    }
    return new TaskId(text.substring(0, colon), index);
  }

  /**
   * @return the device TensorFlow gives this task's CPU
   */
  public String cpuDevice() {
    return "/job:" + type + "/replica:0/task:" + index + "/device:CPU:0";
  }

  @Override
  public String toString() {
    return type + ":" + index;
  }
}
