package dev.agentsandbox.client.internal;

import com.google.protobuf.Empty;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** Unary calls of the process API as futures. */
public final class GrpcCalls {
  private GrpcCalls() {
  }

  /**
   * Runs a unary call that answers {@code Empty}, given the observer to pass it.
   *
   * @return completes with the answer, or with the call's failure
   */
  public static CompletableFuture<Empty> unary(Consumer<StreamObserver<Empty>> call) {
    CompletableFuture<Empty> answer = new CompletableFuture<>();
    call.accept(new StreamObserver<>() {
      @Override
      public void onNext(Empty value) {
        answer.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        answer.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        answer.complete(Empty.getDefaultInstance());
      }
    });
    return answer;
  }
}
