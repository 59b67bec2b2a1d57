/* cmd_animate.c: placeholder until the animate command lands; replaced by its owner. */
#include "cli.h"

int bm_cmd_animate(bm_cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    return bm_cli_fail("animate", "this command is not available in this build yet");
}
