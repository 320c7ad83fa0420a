/*
 * syslog-flood: send ACE-like syslog datagrams to a loopback UDP port at a given rate,
 * with sendmmsg(2) so the sender is cheap enough to outrun a receiver on the same machine.
 *
 * One datagram in EVERY is a relevant 111008 line carrying a sequence number
 * ('rserver host bench-SEQ'); the others are 302022 connection-build noise.
 *
 * usage: syslog-flood HOST PORT RATE SECONDS SEQ_START EVERY [BATCH]
 *   RATE 0 = as fast as possible. BATCH (1..64, default 64): datagrams per sendmmsg; the pacing
 *   sends a whole batch when it is due, so 64 at 2,000/s is a burst of 64 every 32 ms, and 1 is
 *   one datagram every 0.5 ms (a steady stream, as a device sends).
 * stdout: one "r SEQ MS" line per relevant datagram sent (MS = CLOCK_REALTIME in ms),
 *         then "done SENT RELEVANT ELAPSED_MS".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MSG_MAX 512

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long long real_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
  if (argc != 7 && argc != 8) {
    fprintf(stderr, "usage: %s HOST PORT RATE SECONDS SEQ_START EVERY [BATCH]\n", argv[0]);
    return 2;
  }
  const char *host = argv[1];
  int port = atoi(argv[2]);
  double rate = atof(argv[3]);
  double seconds = atof(argv[4]);
  long long seq = atoll(argv[5]);
  long every = atol(argv[6]);
  if (every < 1) every = 1000;
  int batch = argc == 8 ? atoi(argv[7]) : BATCH;
  if (batch < 1 || batch > BATCH) batch = BATCH;

  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) { perror("socket"); return 1; }
  int sndbuf = 4 * 1024 * 1024;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  struct sockaddr_in to;
  memset(&to, 0, sizeof to);
  to.sin_family = AF_INET;
  to.sin_port = htons((unsigned short)port);
  if (inet_pton(AF_INET, host, &to.sin_addr) != 1) { fprintf(stderr, "bad host %s\n", host); return 2; }

  static const char noise[] =
      "<166>Nov 25 2026 10:00:00 Admin: %ACE-6-302022: Built TCP connection 0x3a1f for "
      "vlan303:10.35.1.83/4928 (10.35.1.83/4928) to vlan600:10.40.2.17/80 (10.40.2.17/80)";
  static char rel[BATCH][MSG_MAX];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];

  long long sent = 0, relevant = 0;
  double t0 = mono_s();
  double end = t0 + seconds;
  for (;;) {
    double now = mono_s();
    if (now >= end) break;
    int n = batch;
    if (rate > 0) {
      /* Pace: never get ahead of rate * elapsed; sleep rather than spin so the
         receiver keeps the other core. */
      double due = (sent + n) / rate;
      double ahead = due - (now - t0);
      if (ahead > 0) {
        struct timespec ts = {(time_t)ahead, (long)((ahead - (time_t)ahead) * 1e9)};
        nanosleep(&ts, NULL);
        continue;
      }
    }
    for (int i = 0; i < n; i++) {
      long long k = sent + i;
      if (k % every == every - 1) {
        int len = snprintf(rel[i], MSG_MAX,
                           "<165>Nov 25 2026 10:00:00 Admin: %%ACE-5-111008: User 'admin' executed the "
                           "'rserver host bench-%lld' command.",
                           seq);
        iov[i].iov_base = rel[i];
        iov[i].iov_len = (size_t)len;
        printf("r %lld %lld\n", seq, real_ms());
        seq++;
        relevant++;
      } else {
        iov[i].iov_base = (void *)noise;
        iov[i].iov_len = sizeof noise - 1;
      }
      memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
      msgs[i].msg_hdr.msg_name = &to;
      msgs[i].msg_hdr.msg_namelen = sizeof to;
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int done = 0;
    while (done < n) {
      int r = sendmmsg(fd, msgs + done, (unsigned)(n - done), 0);
      if (r < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == ENOBUFS) continue;
        perror("sendmmsg");
        return 1;
      }
      done += r;
    }
    sent += n;
  }
  double elapsed = mono_s() - t0;
  printf("done %lld %lld %.0f\n", sent, relevant, elapsed * 1000);
  fflush(stdout);
  close(fd);
  return 0;
}
