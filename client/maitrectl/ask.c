/* Asking for a line (an e-mail, a password) on the terminal or standard input. */
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "ctl.h"

/* Reads one line into buf without its newline: 0, or -1 at end of input. */
int ctl_read_line(FILE *f, char *buf, size_t n)
{
	if (fgets(buf, (int)n, f) == NULL)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* Asks for a line on the terminal, without echo when secret. */
int ctl_ask(const char *prompt, int secret, char *buf, size_t n)
{
	FILE *tty = fopen("/dev/tty", "r+");
	if (tty == NULL)
		return -1;
	setvbuf(tty, NULL, _IONBF, 0);   /* read no further than this line */
	struct termios old, quiet;
	int restore = 0;
	fputs(prompt, tty);
	fflush(tty);
	if (secret && tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(fileno(tty), TCSANOW, &quiet) == 0;
	}
	int rc = ctl_read_line(tty, buf, n);
	if (restore) {
		tcsetattr(fileno(tty), TCSANOW, &old);
		fputc('\n', tty);
	}
	fclose(tty);
	return rc;
}

/* A secret: asked without echo on a terminal, else the next line of standard input. */
int ctl_secret(const char *prompt, char *buf, size_t n)
{
	int rc = isatty(STDIN_FILENO) ? ctl_ask(prompt, 1, buf, n) : ctl_read_line(stdin, buf, n);

	return rc == 0 && buf[0] != '\0' ? 0 : -1;
}
