/* cmd_gazetteer.c: placeholder until the gazetteer command lands; replaced by its owner. */
#include "cli.h"

int bm_cmd_gazetteer(bm_cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    return bm_cli_fail("gazetteer", "this command is not available in this build yet");
}
