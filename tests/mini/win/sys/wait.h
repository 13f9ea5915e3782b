/* tests/mini/win/sys/wait.h - Windows (make windows): system() returns the exit code itself. */
#ifndef ALBERT_MINI_SYS_WAIT_H
#define ALBERT_MINI_SYS_WAIT_H
#define WIFEXITED(status) ((status) != -1)
#define WEXITSTATUS(status) (status)
#define WIFSIGNALED(status) 0
#define WTERMSIG(status) 0
#endif
