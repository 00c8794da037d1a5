/* placeholder until the CLI lands (being written in this session) */
int main(void) { return 0; }
