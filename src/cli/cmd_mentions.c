/* cmd_mentions.c: placeholder until the mentions command lands; replaced by its owner. */
#include "cli.h"

int bm_cmd_mentions(bm_cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    return bm_cli_fail("mentions", "this command is not available in this build yet");
}
