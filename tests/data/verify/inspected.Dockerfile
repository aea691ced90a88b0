FROM debian:bookworm-slim
ENV A=1 B="x y"
LABEL org.example.name=demo
EXPOSE 8080/tcp 9000
VOLUME /data
WORKDIR /app
USER 10001:10001
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s CMD ["true"]
RUN echo hi > /tmp/hello && chmod +x /tmp/hello
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["echo hi"]
